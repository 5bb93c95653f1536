import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Type } from '@nestjs/common';
import { ValidationError, type FieldError } from '../common/errors';

/**
 * GraphQL inputs go through the same request DTOs (and so the same rules) as
 * REST bodies; a failure is the same 422 problem, carried in `extensions`.
 */
export async function validated<T extends object>(dto: Type<T>, input: object, keepNull: readonly string[] = []): Promise<T> {
  // null is "not given", except for the fields where an update's null means "clear" (`keepNull`)
  const plain = Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || keepNull.includes(k))));
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
