<?xml version="1.0" encoding="UTF-8"?>
<!-- seedfeed: shows an Atom or RSS feed as a readable page when a person opens it in a browser.
     Feed readers ignore this stylesheet; nothing in the feed depends on it. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
    <xsl:variable name="address" select="(atom:feed/atom:link[@rel='self'] | rss/channel/atom:link[@rel='self'])/@href"/>
    <xsl:variable name="site" select="(atom:feed/atom:link[@rel='alternate'] | rss/channel/atom:link[@rel='alternate'])/@href | rss/channel/link"/>
    <html lang="{atom:feed/@xml:lang | rss/channel/language}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          :root { color-scheme: light dark; --accent: #0b5cad; }
          body { font: 1.05rem/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; }
          header, main { max-width: 46rem; margin: 0 auto; padding: 1rem 1.25rem; }
          header { border-bottom: 1px solid #8884; }
          h1 { font-size: 1.6rem; margin: .5rem 0; }
          .about { background: #8881; border-radius: .5rem; padding: .75rem 1rem; }
          .about code { word-break: break-all; font-size: .95em; }
          article { border-bottom: 1px solid #8883; padding: 1rem 0; }
          article h2 { font-size: 1.2rem; margin: 0 0 .25rem; }
          a { color: var(--accent); }
          time, .credits { color: #777; font-size: .9rem; }
          .related { margin: .5rem 0 0; padding-left: 1.2rem; }
          @media (prefers-color-scheme: dark) { :root { --accent: #7db7ff; } }
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="about">This is a feed: copy its address into your feed reader to follow
            <a href="{$site}"><xsl:value-of select="$title"/></a>.<br/>
            Address: <code><xsl:value-of select="$address"/></code></p>
        </header>
        <main>
          <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <h2><a href="{atom:link[@rel='alternate']/@href}">
        <xsl:choose>
          <xsl:when test="atom:title/@type = 'html'"><xsl:value-of select="atom:title" disable-output-escaping="yes"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="atom:title"/></xsl:otherwise>
        </xsl:choose>
      </a></h2>
      <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <p><xsl:value-of select="atom:summary" disable-output-escaping="yes"/></p>
      <xsl:if test="atom:author | atom:contributor | atom:source">
        <p class="credits">
          <xsl:for-each select="atom:author/atom:name | atom:contributor/atom:name | atom:source/atom:title">
            <xsl:if test="position() &gt; 1"> · </xsl:if><xsl:value-of select="."/>
          </xsl:for-each>
        </p>
      </xsl:if>
      <xsl:call-template name="related"/>
    </article>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time><xsl:value-of select="pubDate"/></time>
      <p><xsl:value-of select="description" disable-output-escaping="yes"/></p>
      <xsl:if test="dc:creator | dc:contributor | source">
        <p class="credits">
          <xsl:for-each select="dc:creator | dc:contributor | source">
            <xsl:if test="position() &gt; 1"> · </xsl:if><xsl:value-of select="."/>
          </xsl:for-each>
        </p>
      </xsl:if>
      <xsl:call-template name="related"/>
    </article>
  </xsl:template>

  <xsl:template name="related">
    <xsl:if test="atom:link[@rel='related']">
      <ul class="related">
        <xsl:for-each select="atom:link[@rel='related']">
          <li><a href="{@href}"><xsl:value-of select="@title"/></a></li>
        </xsl:for-each>
      </ul>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
