import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'kipam:public';
/** Served without a token (health probes, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
