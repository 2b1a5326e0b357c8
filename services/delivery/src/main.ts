import { loadConfig } from './config';
import { startDeliveryService } from './service';

void startDeliveryService(loadConfig(), { handleSignals: true }).catch((err) => {
  console.error(err);
  process.exit(1);
});
