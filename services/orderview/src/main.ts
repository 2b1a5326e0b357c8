import { loadConfig } from './config';
import { startOrderViewService } from './service';

startOrderViewService(loadConfig(), { handleSignals: true }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
