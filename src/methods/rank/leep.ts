// Scores for a backbone that keeps its source classifier: LEEP (Nguyen et al., "LEEP: A New
// Measure to Evaluate Transferability of Learned Representations", ICML 2020) from the source
// head's probabilities θ(x), and NCE (Tran et al., "Transferability and Hardness of Supervised
// Classification Tasks", ICCV 2019) from its hard predictions z = argmax θ(x). Both are the
// log-likelihood of the target labels under the empirical "source class → target class"
// conditional; 0 is perfect, lower (more negative) transfers worse.

export interface SourcePredictions {
  /** Row-major [n, sourceClasses] probabilities of the source head. */
  probabilities: ArrayLike<number>;
  sourceClasses: number;
  /** Target class per row. */
  labels: ArrayLike<number>;
  numClasses: number;
}

function checked(input: SourcePredictions): number {
  const n = input.labels.length;
  if (input.probabilities.length !== n * input.sourceClasses)
    throw new RangeError(
      `${input.probabilities.length} probabilities for ${n} rows of ${input.sourceClasses} source classes`,
    );
  for (let i = 0; i < n; i++) {
    const y = input.labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < input.numClasses))
      throw new RangeError(`label ${y} of row ${i} is not a class index below ${input.numClasses}`);
  }
  return n;
}

/** P(y | z) from an empirical joint [numClasses][sourceClasses] (columns with no mass: 0). */
function conditionalOnSource(joint: number[][], sourceClasses: number): number[][] {
  const pz = Array.from({ length: sourceClasses }, (_, z) =>
    joint.reduce((s, row) => s + row[z]!, 0),
  );
  return joint.map((row) => row.map((p, z) => (pz[z]! > 0 ? p / pz[z]! : 0)));
}

export function leep(input: SourcePredictions): number {
  const n = checked(input);
  const { probabilities: theta, sourceClasses: Z } = input;
  const joint = Array.from({ length: input.numClasses }, () => new Array<number>(Z).fill(0));
  for (let i = 0; i < n; i++)
    for (let z = 0; z < Z; z++) joint[input.labels[i]!]![z]! += theta[i * Z + z]! / n;
  const given = conditionalOnSource(joint, Z);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = given[input.labels[i]!]!;
    let p = 0;
    for (let z = 0; z < Z; z++) p += row[z]! * theta[i * Z + z]!;
    total += Math.log(p);
  }
  return total / n;
}

export function nce(input: SourcePredictions): number {
  const n = checked(input);
  const { probabilities: theta, sourceClasses: Z } = input;
  const joint = Array.from({ length: input.numClasses }, () => new Array<number>(Z).fill(0));
  const hard = Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let z = 1; z < Z; z++) if (theta[i * Z + z]! > theta[i * Z + best]!) best = z;
    return best;
  });
  hard.forEach((z, i) => {
    joint[input.labels[i]!]![z]! += 1 / n;
  });
  const given = conditionalOnSource(joint, Z);
  // −H(Y | Z) = Σ P(y, z) log P(y | z).
  let total = 0;
  joint.forEach((row, y) => {
    row.forEach((p, z) => {
      if (p > 0) total += p * Math.log(given[y]![z]!);
    });
  });
  return total;
}
