import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { configureClient, rest } from '../api/client';
import type { Viewer } from '../api/types';

/**
 * The signed-in token lives in memory; only when the user asks does it go to
 * sessionStorage (this tab, until it closes). Never localStorage: a token
 * must not outlive the tab or be readable by other tabs.
 */
const STORAGE_KEY = 'kipam.console.token';

export interface Session {
  token: string | null;
  viewer: Viewer | null;
  /** Checks the token with GET /v1/me; throws the API's problem when it is refused. */
  signIn(token: string, remember: boolean): Promise<void>;
  signOut(reason?: string): void;
  /** Why the last session ended (a refused token), for the sign-in page. */
  endedBecause: string | null;
  canWrite: boolean;
  /** Domains, ranges, reservations and new clusters: unscoped writers and admins. */
  canWriteFleet: boolean;
  canChangeCluster(clusterId: string): boolean;
  isAdmin: boolean;
}

const SessionContext = createContext<Session | null>(null);

function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [token, setToken] = useState<string | null>(storedToken);
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signOut = useCallback(
    (reason?: string) => {
      try {
        window.sessionStorage.removeItem(STORAGE_KEY);
      } catch {
        // storage disabled: nothing kept
      }
      setToken(null);
      setViewer(null);
      setEndedBecause(reason ?? null);
      queries.clear();
    },
    [queries],
  );

  configureClient(
    () => token,
    () => signOut('The API refused the token (revoked, expired or unknown). Sign in again.'),
  );

  // a token kept in this tab is checked again on reload
  useEffect(() => {
    if (token && !viewer) {
      rest<Viewer>('/v1/me', { token }).then(setViewer, () => signOut('The stored token is no longer valid. Sign in again.'));
    }
  }, [token, viewer, signOut]);

  const signIn = useCallback(async (candidate: string, remember: boolean) => {
    const me = await rest<Viewer>('/v1/me', { token: candidate });
    try {
      if (remember) window.sessionStorage.setItem(STORAGE_KEY, candidate);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage disabled: the token stays in memory only
    }
    setEndedBecause(null);
    setToken(candidate);
    setViewer(me);
  }, []);

  const value = useMemo<Session>(() => {
    const role = viewer?.role;
    const scoped = (viewer?.clusters.length ?? 0) > 0;
    return {
      token,
      viewer,
      signIn,
      signOut,
      endedBecause,
      canWrite: role === 'writer' || role === 'admin',
      canWriteFleet: role === 'admin' || (role === 'writer' && !scoped),
      canChangeCluster: (id: string) => role === 'admin' || (role === 'writer' && (!scoped || viewer!.clusters.includes(id))),
      isAdmin: role === 'admin',
    };
  }, [token, viewer, signIn, signOut, endedBecause]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
