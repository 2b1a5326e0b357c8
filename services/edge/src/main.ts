import { loadConfig } from './config';
import { startEdgeService } from './service';

void startEdgeService(loadConfig(), { handleSignals: true }).catch((err) => {
  console.error(err);
  process.exit(1);
});
