import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { graphql } from '../api/client';
import { MapView } from '../map/MapView';

export function ClusterMapPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const kind = params.get('kind') === 'service' ? 'service' : 'pod';
  const family = params.get('family') ?? undefined;
  const name = useQuery({
    queryKey: ['cluster-name', id],
    queryFn: () => graphql<{ cluster: { name: string } }>('query($id: ID!) { cluster(id: $id) { name } }', { id }),
  });
  return (
    <>
      <p className="crumbs">
        <Link to="/">Overview</Link> › <Link to={`/clusters/${id}`}>cluster {name.data?.cluster.name ?? ''}</Link> › map
      </p>
      <h1>
        {kind === 'pod' ? 'Pod' : 'Service'} CIDR {family ?? ''} of {name.data?.cluster.name ?? 'the cluster'}
      </h1>
      <MapView source={{ type: 'cluster', id, kind, family }} title={kind === 'pod' ? 'Node blocks' : 'ClusterIPs'} />
    </>
  );
}
