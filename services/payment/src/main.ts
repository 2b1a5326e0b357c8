import { startPaymentService } from './service';
import { loadConfig } from './config';

startPaymentService(loadConfig(), { handleSignals: true }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
