import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber } from 'class-validator';
import { Nullable } from '../../common/validation';
import { DEFAULT_CRITICAL_AT, DEFAULT_WARN_AT } from '../capacity-rules';

const DEFAULTS = { warning: DEFAULT_WARN_AT, critical: DEFAULT_CRITICAL_AT } as const;

/**
 * A threshold ratio in a change (`warnAt`, `criticalAt` of a range, a pod pool
 * or a cluster CIDR): absent keeps the current value, null restores the
 * default; the ratios themselves are checked by capacity-rules.ts.
 */
export function ThresholdChange(level: 'warning' | 'critical'): PropertyDecorator {
  const dflt = DEFAULTS[level];
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      nullable: true,
      description: `Utilisation (0–1) of level \`${level}\`; absent keeps the current value (${dflt} at first), null restores the default ${dflt}.`,
    }),
    Nullable(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
  );
}
