import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startOrderService } from './service';

runMain(() => startOrderService(loadConfig(), { handleSignals: true }));
