import { useState } from 'react';
import { useForm, type Path } from 'react-hook-form';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { graphql, newIdempotencyKey, rest } from '../api/client';
import type { Domain, Family } from '../api/types';
import { useSession } from '../auth/session';
import { ProblemAlert } from '../components/ProblemAlert';
import { describedBy, Field } from '../forms/Field';
import { FormFooter } from '../forms/FormFooter';
import { applyProblem } from '../forms/problem-fields';

const CHOICES = `query ClusterChoices {
  domains(first: 100) { nodes { id name description } }
  ranges(first: 500) { nodes { id name cidr family purpose domainId defaultPrefixLength } }
}`;

interface RangeChoice {
  id: string;
  name: string;
  cidr: string;
  family: Family;
  purpose: 'pod' | 'service' | 'any';
  domainId: string;
  defaultPrefixLength: number | null;
}

type Mode = 'carved' | 'declared';
interface FamilyValues {
  enabled: boolean;
  podMode: Mode;
  podCidr: string;
  podRange: string;
  podPrefix: string;
  svcMode: Mode;
  svcCidr: string;
  svcRange: string;
  svcPrefix: string;
  nodeMask: string;
}
interface Values {
  name: string;
  domain: string;
  kubernetesVersion: string;
  primary: Family;
  IPv4: FamilyValues;
  IPv6: FamilyValues;
}

const FAMILY_DEFAULTS = (enabled: boolean, nodeMask: string): FamilyValues => ({
  enabled,
  podMode: 'carved',
  podCidr: '',
  podRange: '',
  podPrefix: '',
  svcMode: 'declared',
  svcCidr: '',
  svcRange: '',
  svcPrefix: '',
  nodeMask,
});

/** One request entry: a declared CIDR, or a block carved from a range (by id, optionally of a length). */
function entry(mode: Mode, cidr: string, range: string, prefix: string): string | { range: string; prefixLength?: number } {
  if (mode === 'declared') return cidr.trim();
  return prefix.trim() ? { range, prefixLength: Number(prefix) } : { range };
}

function CidrChoice({
  family,
  kind,
  form,
  ranges,
}: {
  family: Family;
  kind: 'pod' | 'svc';
  form: ReturnType<typeof useForm<Values>>;
  ranges: RangeChoice[];
}) {
  const { register, watch, formState } = form;
  const modeName = `${family}.${kind}Mode` as const;
  const mode = watch(modeName);
  const what = kind === 'pod' ? 'pod CIDR' : 'service CIDR';
  const errors = formState.errors[family];
  const purpose = kind === 'pod' ? 'pod' : 'service';
  const usable = ranges.filter((r) => r.family === family && (r.purpose === purpose || r.purpose === 'any'));
  const id = `${family}-${kind}`;
  return (
    <fieldset className="cidr-choice">
      <legend>
        Where the {family} {what} comes from
      </legend>
      <div className="radios">
        <label className="check">
          <input type="radio" value="carved" {...register(modeName)} /> carve from a range
        </label>
        <label className="check">
          <input type="radio" value="declared" {...register(modeName)} /> declare a CIDR
        </label>
      </div>
      {mode === 'declared' ? (
        <Field id={`${id}-cidr`} label={`${family} ${what}`} error={errors?.[`${kind}Cidr`]}>
          <input
            {...register(`${family}.${kind}Cidr`)}
            {...describedBy(`${id}-cidr`, errors?.[`${kind}Cidr`])}
            placeholder={
              family === 'IPv4' ? (kind === 'pod' ? '10.244.0.0/16' : '10.96.0.0/16') : kind === 'pod' ? 'fd00:10::/56' : 'fd00:96::/112'
            }
          />
        </Field>
      ) : (
        <div className="row">
          <Field id={`${id}-range`} label={`${family} ${what} range`} error={errors?.[`${kind}Range`]}>
            <select {...register(`${family}.${kind}Range`)} {...describedBy(`${id}-range`, errors?.[`${kind}Range`])}>
              <option value="">Choose a range…</option>
              {usable.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} {r.cidr}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-prefix`} label="Prefix length" error={errors?.[`${kind}Prefix`]}>
            <input
              type="number"
              inputMode="numeric"
              {...register(`${family}.${kind}Prefix`)}
              {...describedBy(`${id}-prefix`, errors?.[`${kind}Prefix`])}
              placeholder="range default"
            />
          </Field>
        </div>
      )}
    </fieldset>
  );
}

/** Create a cluster, single- or dual-stack, each CIDR carved from a range or declared. */
export function CreateClusterPage() {
  const session = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [alert, setAlert] = useState<string | null>(null);
  const choices = useQuery({
    queryKey: ['cluster-choices'],
    queryFn: () => graphql<{ domains: { nodes: Domain[] }; ranges: { nodes: RangeChoice[] } }>(CHOICES),
  });
  const form = useForm<Values>({
    defaultValues: {
      name: '',
      domain: 'default',
      kubernetesVersion: '',
      primary: 'IPv4',
      IPv4: FAMILY_DEFAULTS(true, '24'),
      IPv6: FAMILY_DEFAULTS(true, '64'),
    },
  });
  const { register, handleSubmit, watch, setError, getValues, formState } = form;

  if (!session.canWriteFleet) {
    return (
      <p role="alert" className="alert">
        Token {session.viewer?.name} ({session.viewer?.role}) may not create clusters.
      </p>
    );
  }
  if (choices.error) return <ProblemAlert error={choices.error} />;
  const domains = choices.data?.domains.nodes ?? [];
  const domainId = domains.find((d) => d.name === watch('domain'))?.id;
  const ranges = (choices.data?.ranges.nodes ?? []).filter((r) => !domainId || r.domainId === domainId);

  const families = (v: Values): Family[] => {
    const on = (['IPv4', 'IPv6'] as Family[]).filter((f) => v[f].enabled);
    return on.sort((a, b) => (a === v.primary ? -1 : b === v.primary ? 1 : 0));
  };

  /** The form field an API field name is about (`podCidrs[1]` is the second family's pod CIDR). */
  const fieldFor = (apiField: string): Path<Values> | undefined => {
    const v = getValues();
    const order = families(v);
    const m = /^(podCidrs|serviceCidrs)(?:\[(\d+)\])?(?:\.(\w+))?$/.exec(apiField);
    if (m) {
      const family = order[Number(m[2] ?? 0)] ?? order[0];
      const kind = m[1] === 'podCidrs' ? 'pod' : 'svc';
      const mode = v[family][`${kind}Mode`];
      if (mode === 'declared') return `${family}.${kind}Cidr`;
      return m[3] === 'prefixLength' ? `${family}.${kind}Prefix` : `${family}.${kind}Range`;
    }
    if (apiField === 'nodeMaskSizeIPv4') return 'IPv4.nodeMask';
    if (apiField === 'nodeMaskSizeIPv6') return 'IPv6.nodeMask';
    if (apiField === 'name' || apiField === 'domain' || apiField === 'kubernetesVersion') return apiField;
    return undefined;
  };

  const submit = handleSubmit(async (v) => {
    setAlert(null);
    const order = families(v);
    if (!order.length) {
      setError('IPv4.enabled', { type: 'client', message: 'Choose at least one family' });
      return;
    }
    const body = {
      name: v.name.trim(),
      domain: v.domain,
      podCidrs: order.map((f) => entry(v[f].podMode, v[f].podCidr, v[f].podRange, v[f].podPrefix)),
      serviceCidrs: order.map((f) => entry(v[f].svcMode, v[f].svcCidr, v[f].svcRange, v[f].svcPrefix)),
      ...(v.kubernetesVersion.trim() ? { kubernetesVersion: v.kubernetesVersion.trim() } : {}),
      ...(v.IPv4.enabled && v.IPv4.nodeMask ? { nodeMaskSizeIPv4: Number(v.IPv4.nodeMask) } : {}),
      ...(v.IPv6.enabled && v.IPv6.nodeMask ? { nodeMaskSizeIPv6: Number(v.IPv6.nodeMask) } : {}),
    };
    try {
      const created = await rest<{ id: string }>('/v1/clusters', { method: 'POST', body, idempotencyKey: newIdempotencyKey() });
      await queries.invalidateQueries();
      void navigate(`/clusters/${created.id}`);
    } catch (error) {
      const flat: Partial<Record<Path<Values>, unknown>> = {};
      for (const f of order) {
        for (const k of ['podCidr', 'svcCidr'] as const) flat[`${f}.${k}`] = v[f][k];
      }
      setAlert(applyProblem(error, setError, fieldFor, { name: v.name, ...flat }));
    }
  });

  const e = formState.errors;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Overview</Link> › new cluster
      </p>
      <h1>Create a cluster</h1>
      <form onSubmit={(ev) => void submit(ev)} noValidate className="wide-form" aria-label="Create a cluster">
        <div className="row">
          <Field id="cluster-name" label="Name" error={e.name}>
            <input {...register('name', { required: 'A name is required' })} {...describedBy('cluster-name', e.name)} />
          </Field>
          <Field id="cluster-domain" label="Domain" error={e.domain}>
            <select {...register('domain')} {...describedBy('cluster-domain', e.domain)}>
              {domains.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="cluster-version"
            label="Kubernetes version"
            hint="e.g. 1.33; decides the service CIDR size cap"
            error={e.kubernetesVersion}
          >
            <input {...register('kubernetesVersion')} {...describedBy('cluster-version', e.kubernetesVersion, true)} />
          </Field>
        </div>
        <fieldset>
          <legend>Families</legend>
          <label className="check">
            <input type="checkbox" {...register('IPv4.enabled')} /> IPv4
          </label>
          <label className="check">
            <input type="checkbox" {...register('IPv6.enabled')} /> IPv6
          </label>
          {e.IPv4?.enabled?.message && (
            <p className="field-error" role="alert">
              {e.IPv4.enabled.message}
            </p>
          )}
          <Field id="cluster-primary" label="Primary family (first service CIDR)">
            <select {...register('primary')} id="cluster-primary">
              <option>IPv4</option>
              <option>IPv6</option>
            </select>
          </Field>
        </fieldset>
        {(['IPv4', 'IPv6'] as Family[])
          .filter((f) => watch(`${f}.enabled`))
          .map((f) => (
            <section key={f} className="family-block" aria-label={`${f} CIDRs`}>
              <h2>{f}</h2>
              <CidrChoice family={f} kind="pod" form={form} ranges={ranges} />
              <CidrChoice family={f} kind="svc" form={form} ranges={ranges} />
              <Field id={`${f}-mask`} label={`Node mask size (${f})`} error={e[f]?.nodeMask}>
                <input type="number" inputMode="numeric" {...register(`${f}.nodeMask`)} {...describedBy(`${f}-mask`, e[f]?.nodeMask)} />
              </Field>
            </section>
          ))}
        <FormFooter alert={alert} busy={formState.isSubmitting} label="Create cluster" />
      </form>
    </>
  );
}
