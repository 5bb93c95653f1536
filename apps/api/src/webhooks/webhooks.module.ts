import { Module, type DynamicModule } from '@nestjs/common';
import type { WebhookConfig } from '../config/config';
import { WEBHOOK_SETTINGS, WebhookDelivery } from './webhook-delivery';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({})
export class WebhooksModule {
  static forRoot(settings: WebhookConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhooksController],
      providers: [{ provide: WEBHOOK_SETTINGS, useValue: settings }, WebhooksService, WebhookDelivery],
    };
  }
}
