import fs from 'node:fs';
import path from 'node:path';
import { aclsOf, kafkaAccessSchema, loadKafkaAccess, renderKafkaAccessFile } from './kafka-access';

const root = path.resolve(__dirname, '../../..');

describe('Kafka access (mesh/kafka-access.yaml)', () => {
  const access = loadKafkaAccess();

  it('is rendered up to date into k8s/ (run `npm run mesh:render` after changing it)', () => {
    const file = renderKafkaAccessFile(access);
    const target = path.join(root, file.path);
    expect(fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : `(missing ${file.path})`).toBe(file.content);
  });

  it('lets a service write only its own topic, read only what it consumes, join only its own groups', () => {
    const acls = aclsOf(access, 'order', 't1.');
    expect(acls.filter((a) => a.operation === 'Write')).toEqual([{ resource: 'topic', name: 't1.order.events', pattern: 'literal', operation: 'Write' }]);
    expect(
      acls
        .filter((a) => a.operation === 'Read' && a.resource === 'topic')
        .map((a) => a.name)
        .sort(),
    ).toEqual(['t1.delivery.events', 't1.payment.events', 't1.store.events']);
    expect(acls.filter((a) => a.resource === 'group')).toEqual([{ resource: 'group', name: 't1.order', pattern: 'literal', operation: 'Read' }]);
    expect(aclsOf(access, 'nobody')).toEqual([]);
  });

  it('gives nobody a right on a topic it does not list, and refuses a user naming an unknown topic', () => {
    for (const user of Object.keys(access.users)) {
      for (const a of aclsOf(access, user).filter((x) => x.resource === 'topic')) expect(access.topics.names).toContain(a.name);
    }
    const bad = kafkaAccessSchema.safeParse({ topics: { partitions: 6, names: ['order.events'] }, users: { store: { produces: ['store.events'] } } });
    expect(bad.success).toBe(false);
  });
});
