import * as esbuild from 'esbuild';
import { floorSource } from './bench/lib/bundle';
(async () => {
  const opts: any = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, mainFields: ['module','main'], metafile: true, write: false, alias: { '@aws-sdk/credential-provider-node': './lambdas/adapters/credential-provider-env-only.ts' }, external: ['sharp'] };
  const h = await esbuild.build({ ...opts, entryPoints: [process.argv[2] ?? 'lambdas/ws/send-message.ts'] });
  const f = await esbuild.build({ ...opts, stdin: { contents: floorSource(['dynamodb-document','apigw-management','s3']), resolveDir: process.cwd(), loader: 'ts' } });
  const ins = (m: any) => Object.entries(m.outputs)[0][1] as any;
  const hi = ins(h.metafile).inputs, fi = ins(f.metafile).inputs;
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries<any>(hi)) { const d = v.bytesInOutput - (fi[k]?.bytesInOutput ?? 0); const key = k.replace(/^.*node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, '$1').replace(/^lambdas\/.*/, 'own'); by[key] = (by[key] ?? 0) + d; }
  console.log(Object.entries(by).sort((a,b)=>b[1]-a[1]).map(([k,d])=>`${(d/1024).toFixed(2)} ${k}`).join('\n'));
  console.log('total diff', ((ins(h.metafile).bytes - ins(f.metafile).bytes)/1024).toFixed(1));
})();
