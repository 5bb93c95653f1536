import { ApiError, defaultFieldPath, idempotencyKey, snakeCase } from './kipam-client';

describe(snakeCase.name, () => {
  it.each([
    ['podCidrs', 'pod_cidrs'],
    ['clusterIP', 'cluster_ip'],
    ['clusterIPs', 'cluster_ips'],
    ['ipFamilyPolicy', 'ip_family_policy'],
    ['nodeMaskSizeIPv4', 'node_mask_size_ipv4'],
    ['nodeMaskSizeIPv6', 'node_mask_size_ipv6'],
    ['defaultPrefixLength', 'default_prefix_length'],
    ['name', 'name'],
  ])('%s → %s', (rest, tf) => expect(snakeCase(rest)).toBe(tf));
});

describe(defaultFieldPath.name, () => {
  it('turns REST field paths into attribute paths', () => {
    expect(defaultFieldPath('podCidrs[1].prefixLength')).toEqual(['pod_cidrs', 1, 'prefix_length']);
    expect(defaultFieldPath('spec.clusterIPs[0]')).toEqual(['spec', 'cluster_ips', 0]);
    expect(defaultFieldPath('not a field')).toBeUndefined();
  });
});

describe(ApiError.name, () => {
  it('makes one diagnostic per field error, on its attribute, with the problem title', () => {
    const e = new ApiError('POST', '/v1/clusters', 422, {
      type: '/problems/validation-failed',
      title: 'Validation failed',
      errors: [
        { field: 'podCidrs[0].prefixLength', message: 'must be between 16 and 24' },
        { field: 'name', message: 'is taken' },
      ],
    });
    expect(e.diagnostics()).toEqual([
      {
        severity: 'ERROR',
        summary: 'Validation failed',
        detail: 'pod_cidrs[0].prefix_length: must be between 16 and 24 (POST /v1/clusters: 422 /problems/validation-failed)',
        path: ['pod_cidrs', 0, 'prefix_length'],
      },
      {
        severity: 'ERROR',
        summary: 'Validation failed',
        detail: 'name: is taken (POST /v1/clusters: 422 /problems/validation-failed)',
        path: ['name'],
      },
    ]);
  });

  it('puts a detail that names its field on that attribute, and anything else on the resource', () => {
    const exhausted = new ApiError('POST', '/v1/clusters', 409, {
      type: '/problems/range-exhausted',
      title: 'Range exhausted',
      detail: 'podCidrs[0]: range pods (10.0.0.0/8) has no free /8 left',
    });
    expect(exhausted.diagnostics()[0]).toMatchObject({
      path: ['pod_cidrs', 0],
      detail: expect.stringMatching(/^pod_cidrs\[0\]: range pods/),
    });
    const plain = new ApiError('DELETE', '/v1/domains/x', 409, { title: 'Conflict', detail: 'domain x still holds 1 range(s)' });
    expect(plain.diagnostics()[0]).toMatchObject({ summary: 'Conflict', path: undefined });
  });
});

describe(idempotencyKey.name, () => {
  it('is the same for the same create whatever the key order, and differs otherwise', () => {
    const a = idempotencyKey('kipam_range', '/v1/ranges', { name: 'a', cidr: '10.0.0.0/8', labels: { x: '1', y: '2' } });
    const b = idempotencyKey('kipam_range', '/v1/ranges', { labels: { y: '2', x: '1' }, cidr: '10.0.0.0/8', name: 'a' });
    expect(a).toBe(b);
    expect(a).toMatch(/^terraform-kipam_range-[0-9a-f]{40}$/);
    expect(idempotencyKey('kipam_range', '/v1/ranges', { name: 'b', cidr: '10.0.0.0/8' })).not.toBe(a);
  });
});
