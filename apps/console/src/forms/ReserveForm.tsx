import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useQueryClient } from '@tanstack/react-query';
import { newIdempotencyKey, rest } from '../api/client';
import { applyProblem } from './problem-fields';
import { describedBy, Field } from './Field';
import { FormFooter } from './FormFooter';

interface Values {
  cidr: string;
  reason: string;
}

/** Reserve a block of a range (POST /v1/ranges/{id}/reservations): it is never handed out. */
export function ReserveForm({ rangeId }: { rangeId: string }) {
  const queries = useQueryClient();
  const [alert, setAlert] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, getValues, formState } = useForm<Values>({ defaultValues: { cidr: '', reason: '' } });
  const submit = handleSubmit(async (values) => {
    setAlert(null);
    setDone(null);
    try {
      const r = await rest<{ cidr: string }>(`/v1/ranges/${rangeId}/reservations`, {
        method: 'POST',
        body: { cidr: values.cidr.trim(), ...(values.reason ? { reason: values.reason } : {}) },
        idempotencyKey: newIdempotencyKey(),
      });
      setDone(`Reserved ${r.cidr}.`);
      reset();
      await queries.invalidateQueries();
    } catch (error) {
      setAlert(applyProblem(error, setError, (f) => (f === 'cidr' || f === 'reason' ? f : undefined), getValues(), 'cidr'));
    }
  });
  const e = formState.errors;
  return (
    <form onSubmit={(ev) => void submit(ev)} className="card" aria-labelledby="reserve-h" noValidate>
      <h3 id="reserve-h">Reserve a block</h3>
      <Field id="reserve-cidr" label="CIDR" hint="Inside this range, e.g. 10.0.255.0/24" error={e.cidr}>
        <input {...register('cidr', { required: 'A CIDR is required' })} {...describedBy('reserve-cidr', e.cidr, true)} />
      </Field>
      <Field id="reserve-reason" label="Reason" error={e.reason}>
        <input {...register('reason')} {...describedBy('reserve-reason', e.reason)} />
      </Field>
      <FormFooter alert={alert} done={done} busy={formState.isSubmitting} label="Reserve" />
    </form>
  );
}
