// @tursodatabase/serverless connections to a suite's server, all closed when the suite ends.
import { after } from 'node:test';
import { connect } from '@tursodatabase/serverless';

// Returns open(): a new connection to `server`.
export function useServerlessConnections(server) {
  const connections = [];
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });
  return () => {
    const c = connect({ url: server.url });
    connections.push(c);
    return c;
  };
}
