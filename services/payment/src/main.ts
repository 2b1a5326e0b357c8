import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startPaymentService } from './service';

runMain(() => startPaymentService(loadConfig(), { handleSignals: true }));
