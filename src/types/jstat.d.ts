// The part of jStat (MIT, no dependencies) that src/analysis/inference/distributions.ts uses.
declare module 'jstat' {
  interface JStat {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    noncentralt: { cdf(x: number, dof: number, ncp: number): number };
    beta: { inv(p: number, a: number, b: number): number };
    normal: { inv(p: number, mean: number, sd: number): number; cdf(x: number, mean: number, sd: number): number };
  }
  const jstat: { jStat: JStat };
  export default jstat;
}
