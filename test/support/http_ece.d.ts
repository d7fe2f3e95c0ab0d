/** http_ece (RFC 8188/8291 content encoding) ships no types; the tests use decrypt only. */
declare module 'http_ece' {
  const ece: { decrypt(buffer: Buffer, params: Record<string, unknown>): Buffer; encrypt(buffer: Buffer, params: Record<string, unknown>): Buffer };
  export default ece;
}
