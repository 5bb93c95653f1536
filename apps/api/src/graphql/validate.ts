import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Type } from '@nestjs/common';
import { ValidationError, type FieldError } from '../common/errors';
import { nullableFields } from '../common/validation';

/**
 * GraphQL inputs go through the same request DTOs (and so the same rules) as
 * REST bodies; a failure is the same 422 problem, carried in `extensions`.
 */
export async function validated<T extends object>(dto: Type<T>, input: object): Promise<T> {
  // null is "not given" (a nullable GraphQL input field may be null), except for the fields where
  // null means "clear" (the DTO's @Nullable() fields, as in REST)
  const keepNull = nullableFields(dto);
  const plain = Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || keepNull.has(k))));
  const instance = plainToInstance(dto, plain);
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  if (errors.length) {
    const fields: FieldError[] = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map((message) => ({ field: e.property, message })),
    );
    throw new ValidationError(fields);
  }
  return instance;
}
