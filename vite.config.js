import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The API's base URL comes from VITE_API_URL (src/lib/api.js); nothing here knows the backend.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173 },
  preview: { port: 4173 },
});
