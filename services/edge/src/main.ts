import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startEdgeService } from './service';

runMain(() => startEdgeService(loadConfig(), { handleSignals: true }));
