import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startOrderViewService } from './service';

runMain(() => startOrderViewService(loadConfig(), { handleSignals: true }));
