import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { MergePatchable } from '../common/merge-patch';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/response-meta';
import { ApiLabelQuery, ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import {
  CreateRangeDto,
  CreateReservationDto,
  ListRangesQuery,
  ListReservationsQuery,
  UpdateRangeDto,
  UpdateReservationDto,
} from './dto/range.dto';
import { RangeModel, RangePage, RangeUsageModel, ReservationModel, ReservationPage } from './models/range.model';
import { RangesService } from './ranges.service';

@ApiTags('ranges')
@ApiBearerAuth()
@Controller('v1/ranges')
export class RangesController {
  constructor(@Inject(RangesService) private readonly service: RangesService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: RangeModel, headers: CREATED_HEADERS })
  @ApiProblems({ 404: ['not-found'], 409: ['already-exists', 'cidr-conflict', 'address-taken'] })
  create(@Body() dto: CreateRangeDto): Promise<RangeModel> {
    return this.service.create(dto);
  }

  @Get()
  @ApiLabelQuery()
  @ApiOkResponse({ type: RangePage, description: 'In (domain, name) order.' })
  @ApiProblems({ 404: ['not-found'] })
  list(@Query() query: ListRangesQuery) {
    return this.service.list(query);
  }

  @Get(':rangeId')
  @ApiOkResponse({ type: RangeModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('rangeId') id: string): Promise<RangeModel> {
    return this.service.get(id);
  }

  @MergePatchable()
  @Patch(':rangeId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: RangeModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  update(@Param('rangeId') id: string, @Body() dto: UpdateRangeDto, @IfMatch() ifMatch?: string): Promise<RangeModel> {
    return this.service.update(id, dto, ifMatch);
  }

  @Delete(':rangeId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted, with its reservations; its block is free again in its parent.' })
  @ApiProblems({ 404: ['not-found'], 409: ['conflict'], 412: ['precondition-failed'] })
  delete(@Param('rangeId') id: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(id, ifMatch);
  }

  @Get(':rangeId/usage')
  @ApiOkResponse({ type: RangeUsageModel })
  @ApiProblems({ 404: ['not-found'] })
  usage(@Param('rangeId') id: string): Promise<RangeUsageModel> {
    return this.service.usage(id);
  }

  @Post(':rangeId/reservations')
  @Idempotent()
  @ApiCreatedResponse({ type: ReservationModel, headers: CREATED_HEADERS })
  @ApiProblems({ 404: ['not-found'], 409: ['address-taken'] })
  createReservation(@Param('rangeId') rangeId: string, @Body() dto: CreateReservationDto): Promise<ReservationModel> {
    return this.service.createReservation(rangeId, dto);
  }

  @Get(':rangeId/reservations')
  @ApiOkResponse({ type: ReservationPage, description: 'In CIDR order.' })
  @ApiProblems({ 404: ['not-found'] })
  listReservations(@Param('rangeId') rangeId: string, @Query() query: ListReservationsQuery) {
    return this.service.listReservations(rangeId, query);
  }

  @Get(':rangeId/reservations/:reservationId')
  @ApiOkResponse({ type: ReservationModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  getReservation(@Param('rangeId') rangeId: string, @Param('reservationId') id: string): Promise<ReservationModel> {
    return this.service.getReservation(rangeId, id);
  }

  @MergePatchable()
  @Patch(':rangeId/reservations/:reservationId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: ReservationModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  updateReservation(
    @Param('rangeId') rangeId: string,
    @Param('reservationId') id: string,
    @Body() dto: UpdateReservationDto,
    @IfMatch() ifMatch?: string,
  ): Promise<ReservationModel> {
    return this.service.updateReservation(rangeId, id, dto, ifMatch);
  }

  @Delete(':rangeId/reservations/:reservationId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Released: the block can be handed out again.' })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  deleteReservation(@Param('rangeId') rangeId: string, @Param('reservationId') id: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.deleteReservation(rangeId, id, ifMatch);
  }
}
