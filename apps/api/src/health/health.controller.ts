import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { appliedMigrationNames, Database, migrationNames } from '@kipam/persistence';
import { Public } from '../common/public.decorator';
import { UnavailableError } from '../common/errors';
import { problemResponse } from '../common/api-docs';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  private readonly expected = migrationNames();

  constructor(@Inject(Database) private readonly db: Database) {}

  /** The process is alive. */
  @Get('healthz')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Liveness: the process is alive (no token needed).' })
  @ApiOkResponse({
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
  })
  healthz() {
    return { status: 'ok' };
  }

  /** The database answers and every migration is applied. */
  @Get('readyz')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Readiness: the database answers and every migration is applied (no token needed).' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ready'] }, migrations: { type: 'integer' } },
      required: ['status', 'migrations'],
    },
  })
  @ApiResponse({ status: 503, ...problemResponse(503, ['unavailable']) })
  async readyz() {
    let applied: string[];
    try {
      applied = await appliedMigrationNames(this.db.reader);
    } catch {
      throw new UnavailableError('the database is not reachable');
    }
    const missing = this.expected.filter((name) => !applied.includes(name));
    if (missing.length) throw new UnavailableError(`migrations not applied: ${missing.join(', ')}`);
    return { status: 'ready', migrations: applied.length };
  }
}
