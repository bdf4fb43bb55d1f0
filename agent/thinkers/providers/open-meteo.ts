import type { Units } from '../../context/types.js';
import { getJson } from './http.js';

export interface Place {
  name: string;
  country?: string;
  admin1?: string;
  latitude: number;
  longitude: number;
  timezone?: string;
}

export interface Weather {
  place: string;
  units: Units;
  current: { temperature: number; apparent: number; humidity: number; wind: number; code: number; description: string };
  daily: Array<{ date: string; min: number; max: number; precipitationChance: number; description: string }>;
}

/** Weather data behind an interface, so tests use a local fake. */
export interface WeatherProvider {
  geocode(name: string, signal: AbortSignal): Promise<Place | null>;
  forecast(place: Place, units: Units, days: number, signal: AbortSignal): Promise<Weather>;
}

/** WMO weather codes, as Open-Meteo reports them. */
const WMO: Record<number, string> = {
  0: 'clear sky',
  1: 'mainly clear',
  2: 'partly cloudy',
  3: 'overcast',
  45: 'fog',
  48: 'freezing fog',
  51: 'light drizzle',
  53: 'drizzle',
  55: 'heavy drizzle',
  61: 'light rain',
  63: 'rain',
  65: 'heavy rain',
  66: 'freezing rain',
  67: 'heavy freezing rain',
  71: 'light snow',
  73: 'snow',
  75: 'heavy snow',
  77: 'snow grains',
  80: 'light showers',
  81: 'showers',
  82: 'violent showers',
  85: 'snow showers',
  86: 'heavy snow showers',
  95: 'thunderstorms',
  96: 'thunderstorms with hail',
  99: 'thunderstorms with heavy hail',
};
export const describeWmo = (code: number) => WMO[code] ?? 'unsettled weather';

/** Open-Meteo (no key): geocoding search and forecast. */
export class OpenMeteo implements WeatherProvider {
  constructor(
    private readonly geocodingUrl: string,
    private readonly forecastUrl: string,
  ) {}

  async geocode(name: string, signal: AbortSignal): Promise<Place | null> {
    const u = new URL(this.geocodingUrl);
    u.search = new URLSearchParams({ name, count: '1', language: 'en', format: 'json' }).toString();
    const r = await getJson<{ results?: Place[] }>(u.toString(), signal);
    return r.results?.[0] ?? null;
  }

  async forecast(place: Place, units: Units, days: number, signal: AbortSignal): Promise<Weather> {
    const u = new URL(this.forecastUrl);
    const imperial = units === 'imperial';
    u.search = new URLSearchParams({
      latitude: String(place.latitude),
      longitude: String(place.longitude),
      current: 'temperature_2m,apparent_temperature,relative_humidity_2m,wind_speed_10m,weather_code',
      daily: 'temperature_2m_max,temperature_2m_min,precipitation_probability_max,weather_code',
      forecast_days: String(Math.min(Math.max(days, 1), 7)),
      timezone: 'auto',
      temperature_unit: imperial ? 'fahrenheit' : 'celsius',
      wind_speed_unit: imperial ? 'mph' : 'kmh',
    }).toString();
    type R = {
      current: {
        temperature_2m: number;
        apparent_temperature: number;
        relative_humidity_2m: number;
        wind_speed_10m: number;
        weather_code: number;
      };
      daily: {
        time: string[];
        temperature_2m_max: number[];
        temperature_2m_min: number[];
        precipitation_probability_max: number[];
        weather_code: number[];
      };
    };
    const r = await getJson<R>(u.toString(), signal);
    return {
      place: [place.name, place.admin1, place.country].filter(Boolean).join(', '),
      units,
      current: {
        temperature: r.current.temperature_2m,
        apparent: r.current.apparent_temperature,
        humidity: r.current.relative_humidity_2m,
        wind: r.current.wind_speed_10m,
        code: r.current.weather_code,
        description: describeWmo(r.current.weather_code),
      },
      daily: r.daily.time.map((date, i) => ({
        date,
        min: r.daily.temperature_2m_min[i]!,
        max: r.daily.temperature_2m_max[i]!,
        precipitationChance: r.daily.precipitation_probability_max[i] ?? 0,
        description: describeWmo(r.daily.weather_code[i]!),
      })),
    };
  }
}
