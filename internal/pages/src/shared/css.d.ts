// esbuild's text loader turns a stylesheet into its source text.
declare module "*.css" {
  const text: string;
  export default text;
}
