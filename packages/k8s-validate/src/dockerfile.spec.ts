import { checkDockerfile, minNodeMajor } from './dockerfile.js';

const dockerfile = (image: string, user = 'USER 1000:1000') =>
  `ARG NODE_IMAGE=${image}\nFROM \${NODE_IMAGE} AS build\nRUN npm ci\nFROM \${NODE_IMAGE} AS runtime\n${user}\nCMD ["node", "main.js"]\n`;
const rules = (f: ReturnType<typeof checkDockerfile>) => ({ problems: f.problems.map((p) => p.rule), warnings: f.warnings.map((w) => w.rule) });

describe('checkDockerfile', () => {
  it('accepts an exact Node 24 LTS release, and notes a missing digest as a warning', () => {
    expect(rules(checkDockerfile(dockerfile('node:24.21.0-bookworm-slim'), { minMajor: 24 }))).toEqual({ problems: [], warnings: ['base-image-digest'] });
  });

  it('accepts a digest-pinned image without warnings', () => {
    const pinned = `node:24.21.0-bookworm-slim@sha256:${'a'.repeat(64)}`;
    expect(rules(checkDockerfile(dockerfile(pinned), { minMajor: 24 }))).toEqual({ problems: [], warnings: [] });
  });

  it.each([
    ['node:20.20.2-bookworm-slim', 'older than the runtime'],
    ['node:24-bookworm-slim', 'pin an exact Node release'],
    ['node:lts', 'pin an exact Node release'],
    ['node:25.1.0-bookworm-slim', 'not an LTS line'],
  ])('refuses %s', (image, why) => {
    const f = checkDockerfile(dockerfile(image), { minMajor: 24 });
    expect(f.problems.map((p) => p.message).join('\n')).toContain(why);
  });

  it('refuses an image of another release than the one CI tests', () => {
    const f = checkDockerfile(dockerfile('node:24.20.0-bookworm-slim'), { minMajor: 24, release: '24.21.0' });
    expect(f.problems.map((p) => p.message)).toEqual([expect.stringContaining('ships Node 24.20.0, but CI tests Node 24.21.0')]);
  });

  it('refuses a stage from another base and an image that runs as root', () => {
    const text = `${dockerfile('node:24.21.0-bookworm-slim', 'USER root')}FROM debian:bookworm AS extra\n`;
    expect(rules(checkDockerfile(text, { minMajor: 24 })).problems).toEqual(['base-image', 'non-root']);
  });
});

describe('minNodeMajor', () => {
  it.each([
    ['>=24', 24],
    ['^24.9.0', 24],
    ['>=24 <27', 24],
  ])('reads %s as %i', (range, major) => expect(minNodeMajor(range)).toBe(major));
  it('refuses a missing range', () => expect(() => minNodeMajor(undefined)).toThrow('engines.node'));
});
