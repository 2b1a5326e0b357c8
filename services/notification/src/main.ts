import { runMain } from '@foodmesh/platform';
import { loadConfig } from './config';
import { startNotificationService } from './service';

runMain(() => startNotificationService(loadConfig(), { handleSignals: true }));
