import { loadConfig } from './config';
import { startStoreService } from './service';

void startStoreService(loadConfig(), { handleSignals: true }).catch((err) => {
  console.error(err);
  process.exit(1);
});
