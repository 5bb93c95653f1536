import type { TestApp } from '../setup/test-app';

type Json = Record<string, any>;

/**
 * What a Terraform provider does over REST, step by step: the calls of a
 * resource's lifecycle with the assertions a provider relies on at each one.
 */
export interface ResourceCase {
  /** Resource kind, for messages. */
  kind: string;
  /** The collection to POST to. */
  collection: string;
  /** The configuration (`data`), spelled the way a user may write it. */
  data: Json;
  /** The same configuration as the API must echo it: canonical CIDRs and addresses. Defaults to `data`. */
  canonical?: Json;
  /** Computed attributes the create must return (beyond `id`). */
  computed: string[];
  /** A change to a mutable attribute. */
  update: Json;
  /** A change to an immutable attribute: 422 naming `field`. */
  immutable: { patch: Json; field: string };
}

export interface Created {
  id: string;
  location: string;
  etag: string;
  body: Json;
}

export class Provider {
  constructor(private readonly t: TestApp) {}

  async create(collection: string, data: Json, headers: Record<string, string> = {}): Promise<Created> {
    const res = await this.t.http.post(collection).set(this.t.auth).set(headers).send(data);
    if (res.status !== 201) throw new Error(`POST ${collection}: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, location: res.headers.location, etag: res.headers.etag, body: res.body };
  }

  read(path: string) {
    return this.t.http.get(path).set(this.t.auth);
  }

  patch(path: string, body: Json, ifMatch?: string) {
    const req = this.t.http.patch(path).set(this.t.auth);
    if (ifMatch) void req.set('If-Match', ifMatch);
    return req.send(body);
  }

  delete(path: string, ifMatch?: string) {
    const req = this.t.http.delete(path).set(this.t.auth);
    if (ifMatch) void req.set('If-Match', ifMatch);
    return req;
  }

  /**
   * create → read → plan (every input attribute reads back as written, in
   * canonical form) → update → stale If-Match → immutable update → import by
   * id → delete → read (404) → delete again (404).
   */
  async walk(c: ResourceCase): Promise<Created> {
    const want = c.canonical ?? c.data;

    // create: 201, the whole object, Location and ETag
    const created = await this.create(c.collection, c.data);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.location).toBe(`${c.collection}/${created.id}`);
    expect(created.etag).toMatch(/^"[^"]+"$/);
    for (const field of c.computed)
      expect({ kind: c.kind, field, value: created.body[field] ?? null }).not.toEqual({ kind: c.kind, field, value: null });

    // read: 200 with the same object and ETag
    const read = await this.read(created.location).expect(200);
    expect(read.headers.etag).toBe(created.etag);
    expect(read.body).toEqual(created.body);

    // plan again: nothing to change, attribute by attribute
    for (const [field, value] of Object.entries(want))
      expect({ kind: c.kind, field, value: read.body[field] }).toEqual({ kind: c.kind, field, value });

    // update a mutable attribute, with If-Match
    const updated = await this.patch(created.location, c.update, created.etag).expect(200);
    expect(updated.headers.etag).toBeDefined();
    expect(updated.headers.etag).not.toBe(created.etag);
    for (const [field, value] of Object.entries(c.update))
      expect({ kind: c.kind, field, value: updated.body[field] }).toEqual({ kind: c.kind, field, value });
    const afterUpdate = await this.read(created.location).expect(200);
    expect(afterUpdate.body).toEqual(updated.body);
    expect(afterUpdate.headers.etag).toBe(updated.headers.etag);

    // a stale ETag is 412 and changes nothing
    const stale = await this.patch(created.location, c.update, created.etag).expect(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.body.type).toBe('/problems/precondition-failed');

    // an immutable attribute: 422 naming it, nothing changed
    const refused = await this.patch(created.location, c.immutable.patch).expect(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(c.immutable.field);
    expect((await this.read(created.location).expect(200)).body).toEqual(updated.body);

    // import by id: the read has every input attribute
    const imported = await this.read(`${c.collection}/${created.id}`).expect(200);
    for (const [field, value] of Object.entries({ ...want, ...c.update })) {
      expect({ kind: c.kind, field, value: imported.body[field] }).toEqual({ kind: c.kind, field, value });
    }

    // delete: a stale If-Match is 412; then 204, 404 on read, 404 on a second delete
    await this.delete(created.location, created.etag).expect(412);
    await this.delete(created.location, updated.headers.etag).expect(204);
    const gone = await this.read(created.location).expect(404);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(gone.body.type).toBe('/problems/not-found');
    await this.delete(created.location).expect(404);
    return { ...created, body: updated.body };
  }

  /** Leases held by a holder (they must be gone once it is deleted). */
  async leasesOf(holderId: string): Promise<Json[]> {
    const res = await this.t.http.get(`/v1/leases?holderId=${holderId}`).set(this.t.auth).expect(200);
    return res.body.items;
  }
}
