import * as esbuild from 'esbuild';
(async () => {
  const opts: any = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, mainFields: ['module','main'], metafile: true, write: false, alias: { '@aws-sdk/credential-provider-node': './lambdas/adapters/credential-provider-env-only.ts' }, external: ['sharp'] };
  const h = await esbuild.build({ ...opts, entryPoints: ['lambdas/ws/send-message.ts'] });
  const ins = (Object.entries(h.metafile.outputs)[0][1] as any).inputs;
  console.log(Object.entries<any>(ins).filter(([k])=>k.startsWith('lambdas')).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).map(([k,v])=>`${v.bytesInOutput} ${k}`).join('\n'));
})();
