/** How times travel in the API: ISO-8601 with an offset (the device's own, or Z). */
import { z } from 'zod';

export const isoTime = z.iso.datetime({ offset: true });
