import { useEffect } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../auth/session';

/** Header with navigation and the signed-in token, then the page. */
export function Layout() {
  const session = useSession();
  const location = useLocation();
  // a hash link (#nodes) scrolls to its section once the page has rendered it
  useEffect(() => {
    if (!location.hash) return;
    const id = location.hash.slice(1);
    const timer = window.setInterval(() => {
      const el = document.getElementById(id);
      if (el) {
        el.scrollIntoView();
        window.clearInterval(timer);
      }
    }, 100);
    const stop = window.setTimeout(() => window.clearInterval(timer), 3000);
    return () => {
      window.clearInterval(timer);
      window.clearTimeout(stop);
    };
  }, [location]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Kipam</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Overview
          </NavLink>
          <NavLink to="/who-owns">Who owns</NavLink>
          {session.canWriteFleet && <NavLink to="/clusters/new">New cluster</NavLink>}
        </nav>
        {session.viewer && (
          <div className="whoami">
            <span data-testid="viewer">
              {session.viewer.name} <span className={`role role-${session.viewer.role}`}>{session.viewer.role}</span>
            </span>
            <button type="button" onClick={() => session.signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
