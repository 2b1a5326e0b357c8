import { eventsAbout, handleEach, type EventHandlers } from '@foodmesh/platform';
import type { Projector } from '../../app/projector';

/** Every event about an order (the catalogue's; MenuPublished is about a store). */
export function projectionHandlers(projector: Projector): EventHandlers {
  return handleEach(eventsAbout('order'), (_payload, env, tx) => projector.apply(env, tx));
}
