import { Context, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../graphql/loaders';
import { ViewerModel } from './models/viewer.model';
import { toViewer } from './viewer.controller';

@Resolver(() => ViewerModel)
export class ViewerResolver {
  @Query(() => ViewerModel, { description: 'The token making the request (name, role, cluster scope).' })
  viewer(@Context() ctx: GraphQLContext): ViewerModel {
    return toViewer(ctx.req.principal);
  }
}
