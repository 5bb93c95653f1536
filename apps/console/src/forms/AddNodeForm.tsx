import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useQueryClient } from '@tanstack/react-query';
import { newIdempotencyKey, rest } from '../api/client';
import { describedBy, Field } from './Field';
import { FormFooter } from './FormFooter';
import { applyProblem } from './problem-fields';

interface Values {
  name: string;
  podCidrs: string;
  internalIP: string;
}

/** Register a node (POST /v1/clusters/{id}/nodes): it gets one pod CIDR per cluster pod family. */
export function AddNodeForm({ clusterId }: { clusterId: string }) {
  const queries = useQueryClient();
  const [alert, setAlert] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, getValues, formState } = useForm<Values>({
    defaultValues: { name: '', podCidrs: '', internalIP: '' },
  });
  const submit = handleSubmit(async (v) => {
    setAlert(null);
    setDone(null);
    const podCidrs = v.podCidrs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      const node = await rest<{ name: string; podCidrs: string[] }>(`/v1/clusters/${clusterId}/nodes`, {
        method: 'POST',
        body: {
          name: v.name.trim(),
          ...(podCidrs.length ? { podCidrs } : {}),
          ...(v.internalIP.trim() ? { addresses: [{ type: 'InternalIP', address: v.internalIP.trim() }] } : {}),
        },
        idempotencyKey: newIdempotencyKey(),
      });
      setDone(`Node ${node.name} holds ${node.podCidrs.join(', ')}.`);
      reset();
      await queries.invalidateQueries();
    } catch (error) {
      setAlert(
        applyProblem(
          error,
          setError,
          (f) => (f === 'name' ? 'name' : f.startsWith('podCidrs') ? 'podCidrs' : f.startsWith('addresses') ? 'internalIP' : undefined),
          getValues(),
          'name',
        ),
      );
    }
  });
  const e = formState.errors;
  return (
    <form onSubmit={(ev) => void submit(ev)} className="card" aria-labelledby="add-node-h" noValidate>
      <h3 id="add-node-h">Add a node</h3>
      <Field id="node-name" label="Node name" error={e.name}>
        <input {...register('name', { required: 'A name is required' })} {...describedBy('node-name', e.name)} />
      </Field>
      <Field
        id="node-pod-cidrs"
        label="Pod CIDRs (optional)"
        hint="Specific blocks, comma-separated, one per family; the rest are allocated"
        error={e.podCidrs}
      >
        <input {...register('podCidrs')} {...describedBy('node-pod-cidrs', e.podCidrs, true)} />
      </Field>
      <Field id="node-ip" label="InternalIP (optional)" error={e.internalIP}>
        <input {...register('internalIP')} {...describedBy('node-ip', e.internalIP)} />
      </Field>
      <FormFooter alert={alert} done={done} busy={formState.isSubmitting} label="Add node" />
    </form>
  );
}
