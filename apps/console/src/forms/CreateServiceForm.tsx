import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useQueryClient } from '@tanstack/react-query';
import { newIdempotencyKey, rest } from '../api/client';
import { describedBy, Field } from './Field';
import { FormFooter } from './FormFooter';
import { applyProblem } from './problem-fields';

interface Values {
  namespace: string;
  name: string;
  ipFamilyPolicy: '' | 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  ipFamilies: '' | 'IPv4' | 'IPv6' | 'IPv4,IPv6' | 'IPv6,IPv4';
  clusterIP: string;
}

/** Create a Service (POST /v1/clusters/{id}/services): ClusterIPs as kube-apiserver assigns them. */
export function CreateServiceForm({ clusterId }: { clusterId: string }) {
  const queries = useQueryClient();
  const [alert, setAlert] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, getValues, formState } = useForm<Values>({
    defaultValues: { namespace: 'default', name: '', ipFamilyPolicy: '', ipFamilies: '', clusterIP: '' },
  });
  const submit = handleSubmit(async (v) => {
    setAlert(null);
    setDone(null);
    try {
      const svc = await rest<{ namespace: string; name: string; clusterIPs: string[] }>(`/v1/clusters/${clusterId}/services`, {
        method: 'POST',
        body: {
          namespace: v.namespace.trim(),
          name: v.name.trim(),
          ...(v.ipFamilyPolicy ? { ipFamilyPolicy: v.ipFamilyPolicy } : {}),
          ...(v.ipFamilies ? { ipFamilies: v.ipFamilies.split(',') } : {}),
          ...(v.clusterIP.trim() ? { clusterIP: v.clusterIP.trim() } : {}),
        },
        idempotencyKey: newIdempotencyKey(),
      });
      setDone(`Service ${svc.namespace}/${svc.name} has ${svc.clusterIPs.join(', ') || 'no ClusterIP'}.`);
      reset();
      await queries.invalidateQueries();
    } catch (error) {
      const known = ['namespace', 'name', 'ipFamilyPolicy', 'ipFamilies', 'clusterIP'] as const;
      setAlert(
        applyProblem(
          error,
          setError,
          (f) => (f.startsWith('clusterIPs') ? 'clusterIP' : known.find((k) => f === k || f.startsWith(`${k}[`))),
          getValues(),
        ),
      );
    }
  });
  const e = formState.errors;
  return (
    <form onSubmit={(ev) => void submit(ev)} className="card" aria-labelledby="create-service-h" noValidate>
      <h3 id="create-service-h">Create a Service</h3>
      <Field id="svc-namespace" label="Namespace" error={e.namespace}>
        <input {...register('namespace', { required: 'A namespace is required' })} {...describedBy('svc-namespace', e.namespace)} />
      </Field>
      <Field id="svc-name" label="Name" error={e.name}>
        <input {...register('name', { required: 'A name is required' })} {...describedBy('svc-name', e.name)} />
      </Field>
      <Field id="svc-policy" label="ipFamilyPolicy" error={e.ipFamilyPolicy}>
        <select {...register('ipFamilyPolicy')} {...describedBy('svc-policy', e.ipFamilyPolicy)}>
          <option value="">(none: SingleStack, primary family)</option>
          <option>SingleStack</option>
          <option>PreferDualStack</option>
          <option>RequireDualStack</option>
        </select>
      </Field>
      <Field id="svc-families" label="ipFamilies" error={e.ipFamilies}>
        <select {...register('ipFamilies')} {...describedBy('svc-families', e.ipFamilies)}>
          <option value="">(from the policy)</option>
          <option>IPv4</option>
          <option>IPv6</option>
          <option>IPv4,IPv6</option>
          <option>IPv6,IPv4</option>
        </select>
      </Field>
      <Field
        id="svc-cluster-ip"
        label="clusterIP (optional)"
        hint='A specific free address of the service CIDR, or "None" for headless'
        error={e.clusterIP}
      >
        <input {...register('clusterIP')} {...describedBy('svc-cluster-ip', e.clusterIP, true)} />
      </Field>
      <FormFooter alert={alert} done={done} busy={formState.isSubmitting} label="Create Service" />
    </form>
  );
}
