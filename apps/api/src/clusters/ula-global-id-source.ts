import { Injectable } from '@nestjs/common';
import { randomGlobalId } from './cluster-profile';

/**
 * Where generated ULA global IDs come from: 40 bits of the platform's
 * cryptographic random source (RFC 4193 §3.2.2). A provider of its own so a
 * test can make it collide.
 */
@Injectable()
export class UlaGlobalIdSource {
  next(): bigint {
    return randomGlobalId();
  }
}
