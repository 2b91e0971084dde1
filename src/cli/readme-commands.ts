// Test support: the `visiontune …` command lines a Markdown document shows (in fenced code blocks
// and in inline code), split into arguments as a shell would, so a test can parse each one.

/** Words of one command line: quotes grouped, comments and anything after a pipe dropped. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) break;
    else if (c === '|' || c === '>' || c === ';' || c === '&') break;
    else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const PREFIXES = [['npx', 'visiontune'], ['visiontune'], ['npm', 'run', 'visiontune', '--']];

/** The arguments after the program name, or undefined when `words` do not run visiontune. */
function visiontuneArgs(words: string[]): string[] | undefined {
  for (const prefix of PREFIXES) {
    if (prefix.every((p, i) => words[i] === p)) return words.slice(prefix.length);
  }
  return undefined;
}

/** Optional parts written `[--cut NODE]` are shown as given. */
const unbracket = (line: string) => line.replace(/\[(--[^\]]*)\]/g, '$1');

export interface DocumentedCommand {
  /** 1-based line of the document where the command starts. */
  line: number;
  text: string;
  args: string[];
}

export function documentedCommands(markdown: string): DocumentedCommand[] {
  const lines = markdown.split('\n');
  const found: DocumentedCommand[] = [];
  const add = (line: number, text: string) => {
    const args = visiontuneArgs(shellWords(unbracket(text)));
    if (args && args.length > 0) found.push({ line, text, args });
  };
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      // A trailing backslash continues the command on the next line.
      let text = lines[i];
      const start = i;
      while (text.trimEnd().endsWith('\\') && i + 1 < lines.length)
        text = `${text.trimEnd().slice(0, -1)} ${lines[++i]}`;
      add(start + 1, text);
    } else {
      // Inline code that elides part of the command (`visiontune fewshot …`) is prose, not a line to run.
      for (const match of lines[i].matchAll(/`((?:npx )?visiontune [^`]+)`/g))
        if (!/…|\.\.\./.test(match[1])) add(i + 1, match[1]);
    }
  }
  return found;
}
