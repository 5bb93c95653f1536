import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { SessionProvider, useSession } from './auth/session';
import { Layout } from './components/Layout';
import { ClusterMapPage } from './pages/ClusterMapPage';
import { ClusterPage } from './pages/ClusterPage';
import { CreateClusterPage } from './pages/CreateClusterPage';
import { Overview } from './pages/Overview';
import { RangePage } from './pages/RangePage';
import { SignIn } from './pages/SignIn';
import { WhoOwns } from './pages/WhoOwns';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    queries: { staleTime: 5_000, retry: (count, error) => count < 2 && !(error instanceof Error && 'status' in error) },
  },
});

function Signed({ children }: { children: JSX.Element }) {
  const session = useSession();
  const location = useLocation();
  if (!session.token) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  if (!session.viewer) return <p className="muted">Checking the token…</p>;
  return children;
}

function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route element={<Layout />}>
        <Route
          index
          element={
            <Signed>
              <Overview />
            </Signed>
          }
        />
        <Route
          path="who-owns"
          element={
            <Signed>
              <WhoOwns />
            </Signed>
          }
        />
        <Route
          path="ranges/:id"
          element={
            <Signed>
              <RangePage />
            </Signed>
          }
        />
        <Route
          path="clusters/new"
          element={
            <Signed>
              <CreateClusterPage />
            </Signed>
          }
        />
        <Route
          path="clusters/:id"
          element={
            <Signed>
              <ClusterPage />
            </Signed>
          }
        />
        <Route
          path="clusters/:id/map"
          element={
            <Signed>
              <ClusterMapPage />
            </Signed>
          }
        />
        <Route
          path="*"
          element={
            <p>
              No such page. <a href="/ui/">Back to the overview</a>
            </p>
          }
        />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter basename="/ui">
        <SessionProvider>
          <App />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
