/**
 * foodmesh's rules for the one Dockerfile every service image is built from. Pure: text in,
 * findings out. A problem fails `npm run k8s:validate`; a warning is printed and names what a
 * build with a reachable registry must still add.
 */
export interface DockerfileFindings {
  problems: Array<{ rule: string; message: string }>;
  warnings: Array<{ rule: string; message: string }>;
}

/** `node:24.21.0-bookworm-slim`, optionally `@sha256:<64 hex>`. */
const PINNED_NODE = /^node:(\d+)\.(\d+)\.(\d+)-[a-z0-9.-]+(@sha256:[0-9a-f]{64})?$/;

/** The runtime the project declares: package.json's engines (lowest major) and .nvmrc (the release CI tests). */
export interface NodeRuntime {
  minMajor: number;
  release?: string;
}

/** Checks the base image (the tested Node release, of at least the required major; digest noted) and the runtime user. */
export function checkDockerfile(text: string, runtime: NodeRuntime): DockerfileFindings {
  const minNodeMajor = runtime.minMajor;
  const findings: DockerfileFindings = { problems: [], warnings: [] };
  const problem = (rule: string, message: string) => findings.problems.push({ rule, message });
  const lines = text.split('\n').map((l) => l.trim());

  const arg = lines.map((l) => /^ARG NODE_IMAGE=(\S+)$/.exec(l)?.[1]).find(Boolean);
  const froms = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1]!);
  if (froms.length === 0) problem('base-image', 'no FROM line');
  for (const f of froms) {
    if (!f.startsWith('${NODE_IMAGE}') && !/^[a-z]+$/.test(f))
      problem('base-image', `FROM ${f}: every stage builds from \${NODE_IMAGE}, so one line pins the base`);
  }
  if (!arg) problem('base-image', 'no `ARG NODE_IMAGE=<image>` pinning the base image');
  else {
    const m = PINNED_NODE.exec(arg);
    if (!m) problem('base-image', `NODE_IMAGE=${arg}: pin an exact Node release, e.g. node:${minNodeMajor}.x.y-bookworm-slim (no floating tags)`);
    else {
      if (Number(m[1]) < minNodeMajor)
        problem('base-image', `NODE_IMAGE=${arg}: Node ${m[1]} is older than the runtime the project requires (${minNodeMajor}, package.json engines)`);
      const release = `${m[1]}.${m[2]}.${m[3]}`;
      if (runtime.release && release !== runtime.release)
        problem('base-image', `NODE_IMAGE=${arg}: ships Node ${release}, but CI tests Node ${runtime.release} (.nvmrc): keep them one release`);
      if (Number(m[1]) % 2 === 1) problem('base-image', `NODE_IMAGE=${arg}: Node ${m[1]} is not an LTS line (odd majors never are)`);
      if (!m[4]) {
        findings.warnings.push({
          rule: 'base-image-digest',
          message: `NODE_IMAGE=${arg} has no @sha256 digest: a tag can be re-pushed. Where a registry is reachable, pin it: docker buildx imagetools inspect ${arg}`,
        });
      }
    }
  }
  const user = [...lines].reverse().find((l) => /^USER\s/.test(l));
  if (!user) problem('non-root', 'no USER: the image would run as root');
  else if (!/^USER [1-9]\d*:[1-9]\d*$/.test(user)) problem('non-root', `${user}: run as a numeric, non-root uid:gid (the Deployments' runAsUser)`);
  return findings;
}

/** The lowest Node major that `engines.node` of package.json allows (`>=24`, `^24.9`, `>=24 <27`). */
export function minNodeMajor(engines: string | undefined): number {
  const m = /(?:>=|\^|~)?\s*(\d+)/.exec(engines ?? '');
  if (!m) throw new Error(`package.json "engines.node" is missing or unreadable: ${engines ?? '(none)'}`);
  return Number(m[1]);
}
