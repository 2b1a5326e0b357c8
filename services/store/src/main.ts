import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startStoreService } from './service';

runMain(() => startStoreService(loadConfig(), { handleSignals: true }));
