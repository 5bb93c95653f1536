import type { Database, Subscription, SubscriptionEvents } from '@kipam/persistence';
import { TOKEN_CHANNEL, TokenCache } from './token-cache';
import type { Principal } from '../common/principal';

/** A Database whose only use here is `listen`: the test drives the channel's events. */
function fakeDatabase() {
  const state = { up: false, events: undefined as SubscriptionEvents | undefined, channel: '' };
  const db = {
    listen(channel: string, events: SubscriptionEvents) {
      state.channel = channel;
      state.events = events;
      return {
        get up() {
          return state.up;
        },
        close: async () => undefined,
      } as unknown as Subscription;
    },
  } as unknown as Database;
  return {
    db,
    state,
    up() {
      state.up = true;
      state.events!.up();
    },
    down() {
      state.up = false;
      state.events!.down(new Error('gone'));
    },
    notify() {
      state.events!.notify('some-token-id');
    },
  };
}

const alice: Principal = { tokenId: 't1', name: 'alice', role: 'writer', clusters: [] };

function started(seconds = 60) {
  const fake = fakeDatabase();
  const cache = new TokenCache(fake.db, { seconds });
  cache.onModuleInit();
  return { fake, cache };
}

describe('TokenCache', () => {
  it('listens on the token channel and keeps nothing until LISTEN is in place', () => {
    const { fake, cache } = started();
    expect(fake.state.channel).toBe(TOKEN_CHANNEL);
    cache.set('h', alice, null, cache.generation);
    expect(cache.get('h')).toBeUndefined();
    fake.up();
    cache.set('h', alice, null, cache.generation);
    expect(cache.get('h')).toBe(alice);
  });

  it('forgets everything on a notification, and on losing or regaining the connection', () => {
    const { fake, cache } = started();
    fake.up();
    const kept = () => {
      cache.set('h', alice, null, cache.generation);
      expect(cache.get('h')).toBe(alice);
    };
    kept();
    fake.notify();
    expect(cache.get('h')).toBeUndefined();
    kept();
    fake.down();
    fake.up();
    expect(cache.get('h')).toBeUndefined();
    kept();
    fake.up(); // a reconnection that no `down` announced still empties it
    expect(cache.get('h')).toBeUndefined();
  });

  it('while the connection is down, serves and keeps nothing', () => {
    const { fake, cache } = started();
    fake.up();
    cache.set('h', alice, null, cache.generation);
    fake.down();
    expect(cache.active).toBe(false);
    cache.set('h', alice, null, cache.generation);
    expect(cache.get('h')).toBeUndefined();
  });

  it('does not keep a lookup that began before the cache was emptied (its row may predate the change)', () => {
    const { fake, cache } = started();
    fake.up();
    const began = cache.generation;
    fake.notify(); // a token changed while the lookup was in flight
    cache.set('h', alice, null, began);
    expect(cache.get('h')).toBeUndefined();
    cache.clear(); // the same when this process made the change
    cache.set('h', alice, null, began);
    expect(cache.get('h')).toBeUndefined();
  });

  it('keeps an entry no longer than the token has left to live', async () => {
    const { fake, cache } = started();
    fake.up();
    cache.set('expiring', alice, 30, cache.generation);
    cache.set('gone', alice, 0.5, cache.generation); // under a millisecond: not kept
    expect(cache.get('expiring')).toBe(alice);
    expect(cache.get('gone')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 60));
    expect(cache.get('expiring')).toBeUndefined();
  });

  it('is off, and listens to nothing, with 0 seconds', () => {
    const { fake, cache } = started(0);
    expect(fake.state.events).toBeUndefined();
    cache.set('h', alice, null, cache.generation);
    expect(cache.get('h')).toBeUndefined();
    expect(cache.active).toBe(false);
  });
});
