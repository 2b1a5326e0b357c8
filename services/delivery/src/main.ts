import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startDeliveryService } from './service';

runMain(() => startDeliveryService(loadConfig(), { handleSignals: true }));
