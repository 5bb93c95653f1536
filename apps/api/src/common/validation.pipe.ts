import { ValidationPipe, type ArgumentMetadata, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { TypeMetadataStorage } from '@nestjs/graphql';
import { ValidationError, type FieldError } from './errors';
import { nullProblems } from './validation';

/**
 * REST bodies, queries and path parameters only: GraphQL arguments are typed
 * by the schema and validated through the same DTOs in the resolvers (Nest
 * reports GraphQL arguments as 'body', so their input classes are recognised).
 */
class RestValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // an enum-typed parameter reflects as the enum object (SWC's decorator metadata), not a class to validate against
    if (metadata.type === 'custom' || typeof metadata.metatype !== 'function' || isGraphQLInput(metadata.metatype)) {
      return Promise.resolve(value);
    }
    if (metadata.type === 'body') {
      const nulls = nullProblems(metadata.metatype, value);
      if (nulls.length) return Promise.reject(new ValidationError(nulls));
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

let graphqlInputs: Set<unknown> | undefined;
function isGraphQLInput(metatype: unknown): boolean {
  graphqlInputs ??= new Set(TypeMetadataStorage.getInputTypesMetadata().map((m) => m.target));
  return graphqlInputs.has(metatype);
}

/** Whitelisting, transforming validation whose failures are 422 problems naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new RestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationError(flatten(errors)),
  });
}

function flatten(errors: ClassValidatorError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'is not a known field'),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
