import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * GraphiQL served from the app's own assets (React, ReactDOM and GraphiQL
 * bundles from node_modules): the playground works with no internet access.
 * The bearer token typed into it is kept in memory unless the user opts in.
 */
const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

const ASSETS: Record<string, [string, string]> = {
  'react.js': [packageFile('react', 'umd/react.production.min.js'), 'application/javascript'],
  'react-dom.js': [packageFile('react-dom', 'umd/react-dom.production.min.js'), 'application/javascript'],
  'graphiql.js': [packageFile('graphiql', 'graphiql.min.js'), 'application/javascript'],
  'graphiql.css': [packageFile('graphiql', 'graphiql.min.css'), 'text/css'],
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Kipam GraphQL</title>
  <link rel="stylesheet" href="/graphql/assets/graphiql.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphql/assets/react.js"></script>
  <script src="/graphql/assets/react-dom.js"></script>
  <script src="/graphql/assets/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    // The token stays in memory: GraphiQL keeps its state in this tab's sessionStorage (never localStorage),
    // and the headers only when the user turns on "Persist headers" in its settings.
    const persistHeaders = sessionStorage.getItem('graphiql:shouldPersistHeaders') === 'true';
    // GraphiQL's history keeps each query's headers too: without the opt-in they are dropped before storing.
    const withoutHeaders = (text) => {
      try {
        return JSON.stringify(JSON.parse(text), (key, value) => (key === 'headers' ? undefined : value));
      } catch {
        return text;
      }
    };
    const storage = {
      getItem: (key) => sessionStorage.getItem(key),
      setItem: (key, value) => sessionStorage.setItem(key, persistHeaders ? value : withoutHeaders(value)),
      removeItem: (key) => sessionStorage.removeItem(key),
      clear: () => sessionStorage.clear(),
      get length() {
        return sessionStorage.length;
      },
    };
    const defaultQuery = '# Set your token in the Headers tab: {"Authorization": "Bearer <token>"}\\n' +
      'query Clusters {\\n  clusters(first: 20) {\\n    nodes {\\n      name\\n      stack\\n      podCidrs { family cidr }\\n      serviceCidrs { family cidr }\\n    }\\n  }\\n}\\n';
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery,
        defaultHeaders: '{\\n  "Authorization": "Bearer "\\n}',
        isHeadersEditorEnabled: true,
        storage,
        shouldPersistHeaders: persistHeaders,
        showPersistHeadersSettings: true,
        defaultEditorToolsVisibility: 'headers',
      }),
    );
  </script>
</body>
</html>`;

export function registerPlayground(fastify: FastifyInstance): void {
  const files = new Map(Object.entries(ASSETS).map(([name, [path, type]]) => [name, { body: readFileSync(path), type }]));
  fastify.get('/graphql/assets/:file', (request, reply) => {
    const file = files.get((request.params as { file: string }).file);
    if (!file)
      return reply.code(404).type('application/problem+json').send({ type: '/problems/not-found', title: 'Not found', status: 404 });
    return reply.type(file.type).header('cache-control', 'public, max-age=86400').send(file.body);
  });
}

/** A browser navigating to /graphql (no query) gets the IDE. */
export function wantsPlayground(method: string, url: string, accept: string | undefined): boolean {
  if (method !== 'GET') return false;
  const [path, query = ''] = url.split('?');
  if (path !== '/graphql' && path !== '/graphql/') return false;
  return !new URLSearchParams(query).has('query') && (accept ?? '').includes('text/html');
}

export const PLAYGROUND_HTML = PAGE;
