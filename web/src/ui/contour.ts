// The outline of a digit: the iso-line where a 28×28 image crosses a level (marching
// squares over the grid of pixel centres, linear interpolation along cell edges), so a
// map of another quantity (the saliency) can be drawn with the digit's shape on top.
// Pure: segments in pixel-index coordinates (pixel (x, y) has its centre at (x, y)).

export type Segment = [number, number, number, number];

/** Segments [x0, y0, x1, y1] of the line where `values` (width×height, row-major) crosses `level`. */
export function contourSegments(values: ArrayLike<number>, width: number, height: number, level: number): Segment[] {
  if (values.length !== width * height) throw new Error(`contour: ${values.length} values for ${width}×${height}`);
  const out: Segment[] = [];
  const v = (x: number, y: number) => values[y * width + x]!;
  // Where the edge from a (value va) to b (value vb) crosses the level: a fraction of the way.
  const t = (va: number, vb: number) => (va === vb ? 0.5 : (level - va) / (vb - va));
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x + 1 < width; x++) {
      const a = v(x, y); // top left
      const b = v(x + 1, y); // top right
      const c = v(x + 1, y + 1); // bottom right
      const d = v(x, y + 1); // bottom left
      const code = (a >= level ? 8 : 0) | (b >= level ? 4 : 0) | (c >= level ? 2 : 0) | (d >= level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const top: [number, number] = [x + t(a, b), y];
      const right: [number, number] = [x + 1, y + t(b, c)];
      const bottom: [number, number] = [x + t(d, c), y + 1];
      const left: [number, number] = [x, y + t(a, d)];
      const add = (p: [number, number], q: [number, number]) => out.push([p[0], p[1], q[0], q[1]]);
      switch (code) {
        case 1:
        case 14:
          add(left, bottom);
          break;
        case 2:
        case 13:
          add(bottom, right);
          break;
        case 3:
        case 12:
          add(left, right);
          break;
        case 4:
        case 11:
          add(top, right);
          break;
        case 6:
        case 9:
          add(top, bottom);
          break;
        case 7:
        case 8:
          add(left, top);
          break;
        case 5: // saddles: by the cell's mean
        case 10: {
          const centre = (a + b + c + d) / 4 >= level;
          if ((code === 5) === centre) {
            add(left, top);
            add(bottom, right);
          } else {
            add(left, bottom);
            add(top, right);
          }
          break;
        }
      }
    }
  return out;
}
