import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ESM_COMMONJS_SHIM, requireRuntimeSdkIn } from '../../lib/constructs/function-bundling';
import { shiftMappings } from '../../lib/constructs/runtime-sdk-require.cjs';

const bundle = (body: string) => `${ESM_COMMONJS_SHIM}\n${body}`;

describe('requireRuntimeSdkIn', () => {
  it('moves static SDK imports to require() on the banner line, one per package', () => {
    const body =
      'var a=1;import{DynamoDBClient as Cy,GetCommand}from"@aws-sdk/client-dynamodb";import{createHash as h}from"node:crypto";\n' +
      'import*as S from"@smithy/signature-v4";import D,{x as y}from"@aws-sdk/lib-dynamodb";import{default as E}from"@aws-sdk/client-s3";' +
      'import{DynamoDBClient as Dy}from"@aws-sdk/client-dynamodb";f(Cy);';
    const out = requireRuntimeSdkIn(bundle(body));
    expect(out.split('\n')).toEqual([
      ESM_COMMONJS_SHIM +
        'const{DynamoDBClient:Cy,GetCommand,DynamoDBClient:Dy}=require("@aws-sdk/client-dynamodb");' +
        'const{x:y}=require("@aws-sdk/lib-dynamodb");' +
        'const S=require("@smithy/signature-v4");' +
        'const D=require("@aws-sdk/lib-dynamodb");' +
        'const E=require("@aws-sdk/client-s3");',
      'var a=1;import{createHash as h}from"node:crypto";',
      'f(Cy);',
    ]);
  });

  it("moves the source map's generated columns past the removed imports, and nothing else", () => {
    // Line 2 (index 1): segments at columns 0, 8 (inside the removed range 8..30), 30 and 40; line 3 untouched.
    const mappings = ';AAAA,QACA,sBACA,UACA;AACA';
    const shifted = shiftMappings(mappings, [{ line: 1, column: 8, length: 22 }]);
    // Columns become 0, 8, 8, 18: deltas 0, 8, 0, 10 (Q=8, A=0, U=10); source/line/column deltas are unchanged.
    expect(shifted).toBe(';AAAA,QACA,AACA,UACA;AACA');
  });

  it('leaves dynamic import() and other packages alone', () => {
    const code = bundle('import{z}from"zod";const c=()=>import("@aws-sdk/client-ssm");');
    expect(requireRuntimeSdkIn(code)).toBe(code);
  });

  it('refuses an SDK import it cannot rewrite, and a bundle without the banner that defines require', () => {
    expect(() => requireRuntimeSdkIn(bundle('import"@aws-sdk/client-s3";'))).toThrow(/not rewritten/);
    expect(() => requireRuntimeSdkIn('import{S3Client as s}from"@aws-sdk/client-s3";')).toThrow(/banner/);
  });

  it('gives a bundle whose SDK bindings work when Node runs it', () => {
    const out = requireRuntimeSdkIn(
      bundle('import{DynamoDBClient as C}from"@aws-sdk/client-dynamodb";export const kind=typeof C;'),
    );
    // Inside the project, so that require() finds the SDK in node_modules as the runtime's copy.
    // cdk.out is absent on a fresh clone until some synth has run, and suites run in any order.
    const outDir = path.join(__dirname, '..', '..', 'cdk.out');
    mkdirSync(outDir, { recursive: true });
    const dir = mkdtempSync(path.join(outDir, 'sdk-require-'));
    try {
      const file = path.join(dir, 'index.mjs');
      writeFileSync(file, out);
      const printed = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const m=await import(${JSON.stringify(file)});console.log(m.kind)`],
        { encoding: 'utf8' },
      );
      expect(printed.trim()).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
