/** The directory of the built pages (`join.html`, `assets/`); absent until built. */
export declare const webRoot: string;
