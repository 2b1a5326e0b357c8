import { loadConfig } from './config';
import { startOrderService } from './service';

startOrderService(loadConfig(), { handleSignals: true }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
