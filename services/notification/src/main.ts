import { loadConfig } from './config';
import { startNotificationService } from './service';

startNotificationService(loadConfig(), { handleSignals: true }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
