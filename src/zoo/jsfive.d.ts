// jsfive ships no types; the one class this project uses (keras-h5.ts narrows what it reads).
declare module 'jsfive' {
  export class File {
    constructor(buffer: ArrayBuffer, filename: string);
  }
}
